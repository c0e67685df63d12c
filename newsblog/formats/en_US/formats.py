"""American English dates as the site shows them: "June 23, 2025" (Django's own `en` format writes
the AP style "Sept. 23, 2025")."""

DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, H:i"
