package httpapi

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
)

// reportRoutes are the control reports (auditors and admins).
func (h handlers) reportRoutes(g *echo.Group) {
	g.GET("/reports/:name", h.getReport)
}

func (h handlers) getReport(c echo.Context) error {
	var f errs.Fields
	q := c.QueryParams()
	p := audit.ReportPeriod{From: parseTime(&f, "from", q.Get("from")), To: parseTime(&f, "to", q.Get("to"))}
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" {
		f.Add("format", "must be json or csv")
	}
	if err := f.Err(); err != nil {
		return err
	}
	r, err := h.Audit.Report(c.Request().Context(), actorOf(c), c.Param("name"), p)
	if err != nil {
		return err
	}
	if format == "json" {
		return ok(c, http.StatusOK, r)
	}
	// CSV: the report's metadata as leading "#" lines, then the header and
	// the rows, every cell escaped against formula injection.
	w := &streamWriter{c: c, contentType: "text/csv", filename: r.Name + ".csv"}
	cw := csv.NewWriter(w)
	for _, kv := range [][2]string{{"report", r.Name}, {"title", r.Title}, {"method", r.Method}, {"expect", r.Expect},
		{"from", timeOrEmpty(r.From)}, {"to", timeOrEmpty(r.To)}, {"computed_at", r.ComputedAt.Format("2006-01-02T15:04:05Z07:00")},
		{"computed_by", r.ComputedBy}, {"chain_head", fmt.Sprintf("%d %s", r.ChainHeadSeq, r.ChainHeadHash)}} {
		if err := cw.Write([]string{"# " + kv[0], audit.EscapeCell(kv[1])}); err != nil {
			return w.finish(err, h.Log)
		}
	}
	_ = cw.Write(r.Columns)
	cells := make([]string, len(r.Columns))
	for _, row := range r.Rows {
		for i, col := range r.Columns {
			cells[i] = ""
			if v := row[col]; v != nil {
				cells[i] = audit.EscapeCell(fmt.Sprint(v))
			}
		}
		if err := cw.Write(cells); err != nil {
			return w.finish(err, h.Log)
		}
	}
	cw.Flush()
	return w.finish(cw.Error(), h.Log)
}

func timeOrEmpty(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
