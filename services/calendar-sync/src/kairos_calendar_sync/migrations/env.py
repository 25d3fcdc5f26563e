from kairos_calendar_sync.adapters.orm import metadata
from kairos_platform.migrations import run_env

run_env(metadata)
