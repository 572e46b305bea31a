"""Articles (berita desa): revisions, the publication workflow and the author's API."""
