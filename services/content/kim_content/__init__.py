"""KIM Platform content service.

Berita desa: articles and revisions, moderation, watched words, reader reports and
public feeds.
"""
