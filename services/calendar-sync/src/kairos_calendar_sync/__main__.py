from kairos_platform.runtime import main

from kairos_calendar_sync.bootstrap import bootstrap

main(bootstrap)
