from tap_hubspot_qobra.tap import main

main()
