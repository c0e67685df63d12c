"""The only place markers are written: `{% personal "name" %}` for a part with nothing to show by
default, `{% personal_default "kind" args %}...{% endpersonal_default %}` around what most readers
get (kept unless the filler has something else for this reader). See pagecache/personal.py."""

from types import SimpleNamespace

from django import template
from django.utils.safestring import mark_safe

from pagecache import personal as parts

register = template.Library()


def reader(context):
    """The request; a template rendered without one (an e-mail, a test) gets its `user` alone."""
    return context.get("request") or SimpleNamespace(user=context.get("user"), session={}, GET={})


@register.simple_tag(takes_context=True)
def personal(context, kind, *args):
    if parts.is_shared_render():
        return mark_safe(parts.marker(kind, args))  # noqa: S308 - an HTML comment of quoted values
    return mark_safe(parts.fill_one(reader(context), kind, args) or "")  # noqa: S308 - fillers escape


class PersonalDefaultNode(template.Node):
    def __init__(self, kind, args, nodelist):
        self.kind, self.args, self.nodelist = kind, args, nodelist

    def render(self, context):
        kind = self.kind.resolve(context)
        args = [arg.resolve(context) for arg in self.args]
        default = self.nodelist.render(context)
        if parts.is_shared_render():
            return parts.marker(kind, args, default)
        return parts.fill_one(reader(context), kind, args, default)


@register.tag
def personal_default(parser, token):
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("personal_default needs the kind of part")
    nodelist = parser.parse(("endpersonal_default",))
    parser.delete_first_token()
    values = [parser.compile_filter(bit) for bit in bits]
    return PersonalDefaultNode(values[0], values[1:], nodelist)
