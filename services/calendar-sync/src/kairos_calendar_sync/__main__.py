from kairos_calendar_sync.bootstrap import bootstrap
from kairos_platform.runtime import main

main(bootstrap)
