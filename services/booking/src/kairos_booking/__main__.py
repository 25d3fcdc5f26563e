import sys

from kairos_booking.bootstrap import bootstrap
from kairos_platform.runtime import main

if sys.argv[1:] == ["http"]:
    from kairos_booking.entrypoints.serve import serve

    serve()  # the platform's HTTP runner plus workers and a frozen start-up heap
else:
    main(bootstrap)
