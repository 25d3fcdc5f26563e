from kairos_payments.adapters.orm import metadata
from kairos_platform.migrations import run_env

run_env(metadata)
