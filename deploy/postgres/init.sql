-- Runs once, when the compose PostgreSQL volume is first created
-- (/docker-entrypoint-initdb.d). One database per service, each owned by its own role, and
-- no role may connect to another service's database: a service owns its data and others
-- learn of it only through its events and its API.
-- The passwords are for the local compose stack only.

CREATE ROLE booking LOGIN PASSWORD 'booking';
CREATE ROLE payments LOGIN PASSWORD 'payments';
CREATE ROLE attendance LOGIN PASSWORD 'attendance';
CREATE ROLE calendar_sync LOGIN PASSWORD 'calendar_sync';

CREATE DATABASE kairos_booking OWNER booking;
CREATE DATABASE kairos_payments OWNER payments;
CREATE DATABASE kairos_attendance OWNER attendance;
CREATE DATABASE kairos_calendar_sync OWNER calendar_sync;

REVOKE CONNECT ON DATABASE kairos_booking FROM PUBLIC;
REVOKE CONNECT ON DATABASE kairos_payments FROM PUBLIC;
REVOKE CONNECT ON DATABASE kairos_attendance FROM PUBLIC;
REVOKE CONNECT ON DATABASE kairos_calendar_sync FROM PUBLIC;
