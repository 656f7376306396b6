package httpapi

import (
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
)

type importItemDTO struct {
	Row     int    `json:"row"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Outcome string `json:"outcome"`
}

type importResultDTO struct {
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Items     []importItemDTO `json:"items"`
}

// importFormat maps the request's content type to an import format.
func importFormat(ct string) (string, error) {
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
	case mt == "text/csv":
		return cmdb.FormatCSV, nil
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return cmdb.FormatJSON, nil
	}
	return "", errs.Field("Content-Type", "must be text/csv or application/json")
}

func (h handlers) importCIs(c echo.Context) error {
	format, err := importFormat(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return decodeError(err)
	}
	if err := checkImportText(format, body); err != nil {
		return err
	}
	rows, err := cmdb.ParseImport(format, body)
	if err != nil {
		return err
	}
	res, err := h.CMDB.ImportCIs(c.Request().Context(), actorOf(c), rows)
	if err != nil {
		return err
	}
	out := importResultDTO{Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged,
		Items: make([]importItemDTO, len(res.Items))}
	for i, it := range res.Items {
		out.Items[i] = importItemDTO(it)
	}
	return ok(c, http.StatusOK, out)
}
