"""Run the roadmap command from a checkout: python cli.py status"""
from roadmap_tracker.cli import main

if __name__ == "__main__":
    main()
