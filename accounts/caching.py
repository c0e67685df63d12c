"""The tags of what readers see of an account (see pagecache/tags.py)."""


def user_tag(user_id):
    """A user's public name and author page: bylines, comments, the author page."""
    return f"user:{user_id}"


def changed_tags(user):
    # "users": the lists of authors (the sitemap).
    return [user_tag(user.pk), "users"]
