"""Run the roadmap command from a checkout: python cli.py status"""
from roadmap_tracker.cli import run

if __name__ == "__main__":
    run()
