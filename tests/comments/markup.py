"""A small HTML tree for tests that ask where a piece of text sits in a page, and what surrounds it."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []

    @property
    def text(self):
        return "".join(child if isinstance(child, str) else child.text for child in self.children)

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def ancestors(self):
        element = self
        while element is not None:
            yield element
            element = element.parent

    def descendants(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.descendants()

    def find_all(self, predicate):
        return [element for element in self.descendants() if predicate(element)]

    def by_id(self, element_id):
        [element] = self.find_all(lambda e: e.attrs.get("id") == element_id)
        return element

    def with_class(self, name):
        return self.find_all(lambda e: name in e.classes)


class Page(HTMLParser):
    """Parses a whole page; `texts` lists (text, the element it is directly in)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", [], None)
        self.texts = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        for element in self.current.ancestors():
            if element.tag == tag:
                self.current = element.parent
                return

    def handle_data(self, data):
        self.current.children.append(data)
        self.texts.append((data, self.current))

    def isolates_around(self, needle):
        """For each text in the body holding `needle`: the nearest element around it that isolates its
        direction from the rest of the page (a <bdi>, or any element with a dir attribute), or None."""
        found = []
        for text, parent in self.texts:
            if needle in text and all(e.tag != "head" for e in parent.ancestors()):
                found.append(
                    next((e for e in parent.ancestors() if e.tag == "bdi" or "dir" in e.attrs), None)
                )
        return found
