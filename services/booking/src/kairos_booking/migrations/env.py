from kairos_booking.adapters.orm import metadata
from kairos_platform.migrations import run_env

run_env(metadata)
