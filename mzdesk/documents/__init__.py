"""Printed documents: laid out once as pages of drawing operations, then
written as PDF (reportlab, mzdesk.documents.pdf) or painted on a Qt printer
for preview and printing (ui.print_preview).  Both faces draw the same pages,
so what the clerk previews is what the PDF holds."""
