package httpapi

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
)

// exportContentTypes are the media types of the export formats.
var exportContentTypes = map[string]string{audit.FormatCSV: "text/csv", audit.FormatNDJSON: "application/x-ndjson"}

func (h handlers) exportAudit(c echo.Context) error {
	var f errs.Fields
	q := c.QueryParams()
	filter := audit.ExportFilter{
		From: parseTime(&f, "from", q.Get("from")), To: parseTime(&f, "to", q.Get("to")),
		EntityType: q.Get("entity_type"), EntityID: q.Get("entity_id"), Actor: q.Get("actor"), Action: q.Get("action"),
		Format: q.Get("format"),
	}
	if filter.Format == "" {
		filter.Format = audit.FormatNDJSON
	}
	if v := q.Get("after_seq"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			f.Add("after_seq", "must be a whole number, 0 or more")
		}
		filter.AfterSeq = n
	}
	if err := f.Err(); err != nil {
		return err
	}
	w := &streamWriter{c: c, contentType: exportContentTypes[filter.Format],
		filename: "audit-export." + filter.Format}
	_, err := h.Audit.Export(c.Request().Context(), actorOf(c), filter, w)
	return w.finish(err, h.Log)
}
