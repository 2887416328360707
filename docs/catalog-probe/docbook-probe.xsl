<?xml version="1.0"?>
<!-- Asks the XML catalog for the DocBook XSL stylesheets, as the man page
     build does, without transforming anything: run by xsltproc with its
     nonet option and the stylesheets' base URI as the "base" parameter, it
     prints
     "manpages html" when both stylesheets resolve to local files (through
     XML_CATALOG_FILES, else /etc/xml/catalog) and less when not.  Loading
     docbook-probe.xml also asks the catalog for the DocBook 4.5 DTD: when
     that is missing xsltproc warns on stderr (the pages still build). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text"/>
  <xsl:param name="base"/>
  <xsl:template match="/">
    <xsl:for-each select="document(concat($base, 'manpages/docbook.xsl'))/*">manpages </xsl:for-each>
    <xsl:for-each select="document(concat($base, 'html/docbook.xsl'))/*">html</xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
