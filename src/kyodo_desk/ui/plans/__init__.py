"""地域計画 tab: every district's まちづくり計画 through the yearly PLAN–DO–CHECK–ACT cycle."""
