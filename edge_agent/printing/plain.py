"""A :class:`Document` as plain text or as a small HTML page (email, screen; no PDF)."""

from __future__ import annotations

from html import escape

from edge_agent.printing.document import Cut, Document, Pulse, QRCode, Rule, Text


def _aligned(block: Text, columns: int) -> str:
    room = columns // block.width
    if block.align == "center":
        return block.text.center(room).rstrip()
    if block.align == "right":
        return block.text.rjust(room)
    return block.text


def to_text(document: Document) -> str:
    """The document as monospaced lines, as wide as the paper."""
    lines: list[str] = []
    for block in document.blocks:
        match block:
            case Text():
                lines.append(_aligned(block, document.columns))
            case Rule():
                lines.append("-" * document.columns)
            case QRCode(data):
                lines.append(f"[QR {data}]".center(document.columns).rstrip())
            case Cut() | Pulse():
                pass
    return "\n".join(lines) + "\n"


_STYLE = (
    "body{background:#eee;margin:0;padding:1em}"
    ".receipt{background:#fff;margin:auto;padding:1em;font:14px/1.35 monospace;"
    "white-space:pre-wrap;max-width:%dch}"
    ".l{min-height:1.35em}.center{text-align:center}.right{text-align:right}"
    ".bold{font-weight:bold}.tall{font-size:1.5em}.big{font-size:2em}"
    "hr{border:0;border-top:1px dashed #000}.qr{text-align:center;font-size:.85em}"
)


def to_html(document: Document) -> str:
    """The document as a self-contained HTML page; every text is escaped."""
    body: list[str] = []
    for block in document.blocks:
        match block:
            case Text():
                classes = ["l", block.align]
                if block.bold:
                    classes.append("bold")
                if block.width > 1:
                    classes.append("big")
                elif block.height > 1:
                    classes.append("tall")
                body.append(f'<div class="{" ".join(classes)}">{escape(block.text)}</div>')
            case Rule():
                body.append("<hr>")
            case QRCode(data):
                body.append(f'<div class="qr">{escape(data)}</div>')
            case Cut() | Pulse():
                pass
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(document.title)}</title>"
        f"<style>{_STYLE % (document.columns + 4)}</style></head>\n"
        f'<body><div class="receipt">\n{chr(10).join(body)}\n</div></body></html>\n'
    )
