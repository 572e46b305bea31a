"""The public catalogue: live listings, filtered, searched in Indonesian, paged by keyset."""
