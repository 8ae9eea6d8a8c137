"""``{% house_rules_text rules as shown %}``: a version's rules in the page's language, else in the
version's own language (the municipality's); ``shown.language`` goes in the ``lang`` attribute."""

from django import template
from django.utils import translation

register = template.Library()


@register.simple_tag
def house_rules_text(rules):
    return rules.in_language(translation.get_language())
