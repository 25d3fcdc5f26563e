"""Contains all the data models used in inputs/outputs"""

from .actor import Actor
from .attendance_change_out import AttendanceChangeOut
from .attendance_change_out_changed_by import AttendanceChangeOutChangedBy
from .attendance_change_out_source import AttendanceChangeOutSource
from .attendance_in import AttendanceIn
from .attendance_trail import AttendanceTrail
from .availability_out import AvailabilityOut
from .booker_out import BookerOut
from .booking_detail_out import BookingDetailOut
from .booking_detail_out_payment_method import BookingDetailOutPaymentMethod
from .booking_detail_out_status import BookingDetailOutStatus
from .booking_my_bookings_when import BookingMyBookingsWhen
from .booking_out import BookingOut
from .booking_out_payment_method import BookingOutPaymentMethod
from .booking_out_status import BookingOutStatus
from .booking_payment_out import BookingPaymentOut
from .booking_payments_out import BookingPaymentsOut
from .cal_dav_in import CalDavIn
from .cancel_in import CancelIn
from .checkout_in import CheckoutIn
from .checkout_in_method import CheckoutInMethod
from .checkout_out import CheckoutOut
from .checkout_out_method import CheckoutOutMethod
from .connection_out import ConnectionOut
from .connection_out_kind import ConnectionOutKind
from .connection_out_status import ConnectionOutStatus
from .connection_test_out import ConnectionTestOut
from .connection_test_out_kind import ConnectionTestOutKind
from .connection_test_out_status import ConnectionTestOutStatus
from .connections_page import ConnectionsPage
from .credits_out import CreditsOut
from .cycle_out import CycleOut
from .dead_letter_out import DeadLetterOut
from .decline_out import DeclineOut
from .enrolled_offering_out import EnrolledOfferingOut
from .enrollment_out import EnrollmentOut
from .enrollment_out_status import EnrollmentOutStatus
from .feed_out import FeedOut
from .field_error import FieldError
from .google_in import GoogleIn
from .hold_in import HoldIn
from .hold_out import HoldOut
from .hold_out_status import HoldOutStatus
from .joined_out import JoinedOut
from .joined_out_marked_by_type_0 import JoinedOutMarkedByType0
from .joined_out_status import JoinedOutStatus
from .ledger_entry_out import LedgerEntryOut
from .ledger_reason import LedgerReason
from .line_kind import LineKind
from .live_token import LiveToken
from .live_token_in import LiveTokenIn
from .mail_preferences_in import MailPreferencesIn
from .mail_preferences_out import MailPreferencesOut
from .marked_out import MarkedOut
from .marked_out_marked_by_type_0 import MarkedOutMarkedByType0
from .marked_out_status import MarkedOutStatus
from .mentee_out import MenteeOut
from .offering_in import OfferingIn
from .offering_kind import OfferingKind
from .offering_out import OfferingOut
from .offering_out_kind import OfferingOutKind
from .offering_patch import OfferingPatch
from .override_in import OverrideIn
from .override_kind import OverrideKind
from .override_out import OverrideOut
from .override_out_kind import OverrideOutKind
from .page_booking_out import PageBookingOut
from .page_dead_letter_out import PageDeadLetterOut
from .page_hold_out import PageHoldOut
from .page_ledger_entry_out import PageLedgerEntryOut
from .page_offering_out import PageOfferingOut
from .page_provider_out import PageProviderOut
from .page_statement_line_out import PageStatementLineOut
from .page_subscription_out import PageSubscriptionOut
from .pattern_entry_in import PatternEntryIn
from .pattern_entry_out import PatternEntryOut
from .payment_method import PaymentMethod
from .payment_status import PaymentStatus
from .period_out import PeriodOut
from .ping_answers import PingAnswers
from .ping_sent import PingSent
from .problem_details import ProblemDetails
from .provider_in import ProviderIn
from .provider_out import ProviderOut
from .provider_patch import ProviderPatch
from .purchase_in import PurchaseIn
from .purchase_out import PurchaseOut
from .purchase_out_status import PurchaseOutStatus
from .range_in import RangeIn
from .range_out import RangeOut
from .reactivated_out import ReactivatedOut
from .redrive_all_out import RedriveAllOut
from .redriven_out import RedrivenOut
from .refund_out import RefundOut
from .refund_out_status import RefundOutStatus
from .reschedule_in import RescheduleIn
from .schedule_out import ScheduleOut
from .session_out import SessionOut
from .session_out_marked_by_type_0 import SessionOutMarkedByType0
from .session_out_status import SessionOutStatus
from .slot_out import SlotOut
from .slots_out import SlotsOut
from .standing import Standing
from .statement_line_out import StatementLineOut
from .subscribe_in import SubscribeIn
from .subscriber_out import SubscriberOut
from .subscribers_page import SubscribersPage
from .subscription_out import SubscriptionOut
from .subscription_status import SubscriptionStatus
from .topic import Topic
from .unsubscribed_out import UnsubscribedOut
from .webhook_ack import WebhookAck
from .weekly_hours_in import WeeklyHoursIn
from .weekly_range_in import WeeklyRangeIn
from .weekly_range_out import WeeklyRangeOut

__all__ = (
    "Actor",
    "AttendanceChangeOut",
    "AttendanceChangeOutChangedBy",
    "AttendanceChangeOutSource",
    "AttendanceIn",
    "AttendanceTrail",
    "AvailabilityOut",
    "BookerOut",
    "BookingDetailOut",
    "BookingDetailOutPaymentMethod",
    "BookingDetailOutStatus",
    "BookingMyBookingsWhen",
    "BookingOut",
    "BookingOutPaymentMethod",
    "BookingOutStatus",
    "BookingPaymentOut",
    "BookingPaymentsOut",
    "CalDavIn",
    "CancelIn",
    "CheckoutIn",
    "CheckoutInMethod",
    "CheckoutOut",
    "CheckoutOutMethod",
    "ConnectionOut",
    "ConnectionOutKind",
    "ConnectionOutStatus",
    "ConnectionsPage",
    "ConnectionTestOut",
    "ConnectionTestOutKind",
    "ConnectionTestOutStatus",
    "CreditsOut",
    "CycleOut",
    "DeadLetterOut",
    "DeclineOut",
    "EnrolledOfferingOut",
    "EnrollmentOut",
    "EnrollmentOutStatus",
    "FeedOut",
    "FieldError",
    "GoogleIn",
    "HoldIn",
    "HoldOut",
    "HoldOutStatus",
    "JoinedOut",
    "JoinedOutMarkedByType0",
    "JoinedOutStatus",
    "LedgerEntryOut",
    "LedgerReason",
    "LineKind",
    "LiveToken",
    "LiveTokenIn",
    "MailPreferencesIn",
    "MailPreferencesOut",
    "MarkedOut",
    "MarkedOutMarkedByType0",
    "MarkedOutStatus",
    "MenteeOut",
    "OfferingIn",
    "OfferingKind",
    "OfferingOut",
    "OfferingOutKind",
    "OfferingPatch",
    "OverrideIn",
    "OverrideKind",
    "OverrideOut",
    "OverrideOutKind",
    "PageBookingOut",
    "PageDeadLetterOut",
    "PageHoldOut",
    "PageLedgerEntryOut",
    "PageOfferingOut",
    "PageProviderOut",
    "PageStatementLineOut",
    "PageSubscriptionOut",
    "PatternEntryIn",
    "PatternEntryOut",
    "PaymentMethod",
    "PaymentStatus",
    "PeriodOut",
    "PingAnswers",
    "PingSent",
    "ProblemDetails",
    "ProviderIn",
    "ProviderOut",
    "ProviderPatch",
    "PurchaseIn",
    "PurchaseOut",
    "PurchaseOutStatus",
    "RangeIn",
    "RangeOut",
    "ReactivatedOut",
    "RedriveAllOut",
    "RedrivenOut",
    "RefundOut",
    "RefundOutStatus",
    "RescheduleIn",
    "ScheduleOut",
    "SessionOut",
    "SessionOutMarkedByType0",
    "SessionOutStatus",
    "SlotOut",
    "SlotsOut",
    "Standing",
    "StatementLineOut",
    "SubscribeIn",
    "SubscriberOut",
    "SubscribersPage",
    "SubscriptionOut",
    "SubscriptionStatus",
    "Topic",
    "UnsubscribedOut",
    "WebhookAck",
    "WeeklyHoursIn",
    "WeeklyRangeIn",
    "WeeklyRangeOut",
)
