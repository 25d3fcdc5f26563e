from kairos_booking.bootstrap import bootstrap
from kairos_platform.runtime import main

main(bootstrap)
