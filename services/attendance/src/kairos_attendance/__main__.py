from kairos_platform.runtime import main

from kairos_attendance.bootstrap import bootstrap

main(bootstrap)
