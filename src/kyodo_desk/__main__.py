from kyodo_desk.cli import main

raise SystemExit(main())
