import sys
from pathlib import Path

# messaging_app.py is imported by the tests and run as a child process by them.
sys.path.insert(0, str(Path(__file__).parent))
