"""Server-rendered pages (Jinja2) for reps and trainers, zh-CN first with an English switch."""
