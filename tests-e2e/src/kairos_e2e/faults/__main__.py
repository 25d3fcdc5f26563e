import sys

from kairos_e2e.faults.runner import main

sys.exit(main())
