from kairos_platform.runtime import main

from kairos_payments.bootstrap import bootstrap

main(bootstrap)
