from shequ.cli import main

main()
