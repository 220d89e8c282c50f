from lxml import etree, objectify, html
doc = etree.fromstring(b'<?xml version="1.0"?><problem><p id="a">Hello <b>world</b></p><choice correct="true">A</choice><choice correct="false">B</choice></problem>')
print(doc.xpath('//choice[@correct="true"]/text()'), doc.xpath('count(//choice)'), doc.find('p').xpath('string()'))
print(etree.tostring(doc, pretty_print=True).decode())
xslt = etree.XSLT(etree.fromstring(b'''<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:str="http://exslt.org/strings" extension-element-prefixes="str">
<xsl:template match="/problem"><ul><xsl:for-each select="choice"><li n="{position()}"><xsl:value-of select="str:padding(2, '*')"/><xsl:value-of select="."/></li></xsl:for-each></ul></xsl:template></xsl:stylesheet>'''))
print(str(xslt(doc)))
root = objectify.fromstring('<r><a>1</a><b>2.5</b><c>text</c></r>')
print(root.a + 1, root.b * 2, root.c.text.upper())
h = html.fromstring('<div><p>One<br>two</p><a href="/x">link</a></div>')
print(h.text_content(), [a.get('href') for a in h.iter('a')], html.tostring(h))
try:
    etree.fromstring('<a><b></a>')
except etree.XMLSyntaxError as e:
    print('XMLSyntaxError', e)
print(etree.fromstring('<a>\u00e9\u20ac</a>'.encode('utf-16')).text == '\u00e9\u20ac', etree.fromstring('<?xml version="1.0" encoding="UTF-32"?><a>x</a>'.encode('utf-32')).text)
# ISO Schematron: lxml reads its stylesheets (package data) from files beside its modules.
from lxml import isoschematron
schematron = isoschematron.Schematron(etree.XML(
    '<schema xmlns="http://purl.oclc.org/dsdl/schematron"><pattern><rule context="item">'
    '<assert test="@price &gt; 0">an item has a price</assert></rule></pattern></schema>'))
print(schematron.validate(etree.XML('<cart><item price="3"/></cart>')), schematron.validate(etree.XML('<cart><item price="0"/></cart>')))
