"""The roadmap in a browser: server-rendered pages over the library's values.

:mod:`.pages` turns a schedule into page contexts and HTML (Jinja2, autoescaped); :mod:`.routes`
serves them from the feed server; :mod:`.publish` writes them with every feed as a static site;
:mod:`.accounts` signs people in and takes progress reports when the server allows updates.
"""
