from kairos_payments.bootstrap import bootstrap
from kairos_platform.runtime import main

main(bootstrap)
