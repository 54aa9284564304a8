"""All network I/O: the Scrapy project (spiders, middlewares) and the typed records it yields.

Nothing here imports pipeline/ or store/: the item pipeline that stores records is named by dotted
path in the settings the caller hands to the crawl subprocess.
"""
