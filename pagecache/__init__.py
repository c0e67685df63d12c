"""The page cache: reader pages stored and replayed, invalidated by what they show.

The ground floor: it imports no other app of this project. Apps tell it what changes (`watch()` in
their `ready()`), views and fragments tell it what they show (`shows()`), and personal parts of a
signed-in reader's page are marked with the `personal` template tags. See docs/design.md.
"""
