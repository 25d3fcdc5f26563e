from kairos_platform.runtime import main

from kairos_booking.bootstrap import bootstrap

main(bootstrap)
