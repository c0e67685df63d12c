"""What the content API answers: the shapes in its OpenAPI schema."""

from ninja import Field, Schema

# Dates are sent as Python writes them (ISO 8601, full precision, the offset spelled out), exactly as
# the article page's <time datetime> and JSON-LD carry them.
DateTime = Field(..., json_schema_extra={"format": "date-time"})


class Author(Schema):
    username: str
    display_name: str = Field(
        ..., description="The name shown on bylines: the display name, or the username."
    )
    url: str = Field(..., description="The author page.")


class AuthorDetail(Author):
    bio: str


class Category(Schema):
    name: str
    slug: str
    url: str = Field(..., description="The section page.")


class CategoryDetail(Category):
    description: str


class Tag(Schema):
    name: str
    slug: str
    url: str = Field(..., description="The tag page.")


class Rendition(Schema):
    url: str
    width: int
    height: int


class LeadImage(Schema):
    url: str = Field(..., description="The cleaned original.")
    width: int
    height: int
    alt: str
    caption: str
    credit: str
    renditions: list[Rendition] = Field(..., description="WebP copies, narrowest first.")


class ArticleSummary(Schema):
    title: str
    slug: str
    url: str = Field(..., description="The article page.")
    author: Author
    category: Category
    tags: list[Tag]
    summary: list[str] = Field(..., description="The summary bullets, in order.")
    lead_image: LeadImage | None
    published_at: str = DateTime
    updated_at: str = Field(
        ...,
        description="The public “Updated on” date (the publication date until the first update).",
        json_schema_extra={"format": "date-time"},
    )
    reading_time: int = Field(..., description="Minutes.")
    comment_count: int


class Article(ArticleSummary):
    body_html: str = Field(
        ...,
        description="The body as the article page shows it: sanitised HTML; links to the site are relative.",
    )


class Page(Schema):
    next: str | None = Field(..., description="The next page's address, or null on the last page.")
    previous: str | None = Field(..., description="The previous page's address, or null on the first.")


class ArticlePage(Page):
    results: list[ArticleSummary]


class CategoryPage(Page):
    results: list[CategoryDetail]


class TagPage(Page):
    results: list[Tag]


class AuthorPage(Page):
    results: list[AuthorDetail]


class Error(Schema):
    detail: str


class InvalidParameters(Error):
    errors: list[dict] = Field(..., description="pydantic's account of each bad parameter.")
