from kairos_attendance.bootstrap import bootstrap
from kairos_platform.runtime import main

main(bootstrap)
