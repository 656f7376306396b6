package httpapi

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/catalog/csaf"
	"github.com/changeboard/changeboard/internal/errs"
)

// importLimit is the import route's body limit: the largest document the
// CSAF parser accepts, plus room for a multipart envelope and hash file.
var importLimit = int64(csaf.DefaultLimits().MaxBytes) + 1<<20

// maxHashPart bounds the hash file part; one line per document is all
// CSAF publishes.
const maxHashPart = 64 << 10

// importBodyLimit replaces the global BodyLimit on the import route (which
// largeBodyRoutes exempts from it) with importLimit.
func importBodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > importLimit {
			return errs.E(errs.TooLarge, "the body is larger than the %d MiB import limit", importLimit>>20)
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, importLimit)
		return next(c)
	}
}

// importUpdate imports one CSAF document: the body itself (JSON), or a
// multipart form with the document and its .sha512/.sha256 hash file.
func (h handlers) importUpdate(c echo.Context) error {
	in, err := readImport(c)
	if err != nil {
		return err
	}
	res, err := h.Catalog.Import(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Outcome == catalog.OutcomeImported {
		status = http.StatusCreated
		c.Response().Header().Set(echo.HeaderLocation, "/api/v1/updates/"+res.Update.ID)
	}
	setETag(c, res.Update.Version)
	return ok(c, status, updateImportDTO{Outcome: string(res.Outcome), Detail: res.Detail,
		Changes: nonNilStrings(res.Changes), Update: toUpdateDTO(res.Update, h.Catalog.Actions(res.Update, actorOf(c)))})
}

func readImport(c echo.Context) (catalog.ImportInput, error) {
	mt, params, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch {
	case err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")):
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return catalog.ImportInput{}, readError(err)
		}
		if len(body) == 0 {
			return catalog.ImportInput{}, errs.Field("body", "required: the CSAF document")
		}
		return catalog.ImportInput{Document: body}, scanJSONText(body, pointerPath)
	case err == nil && mt == "multipart/form-data" && params["boundary"] != "":
		return readMultipartImport(multipart.NewReader(c.Request().Body, params["boundary"]))
	}
	return catalog.ImportInput{}, errs.Field("Content-Type",
		"must be application/json (the CSAF document) or multipart/form-data (parts document and hash)")
}

func readMultipartImport(mr *multipart.Reader) (catalog.ImportInput, error) {
	var in catalog.ImportInput
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return in, readError(err)
		}
		name := part.FormName()
		switch {
		case name == "document" && in.Document == nil:
			if in.Document, err = io.ReadAll(part); err != nil {
				return in, readError(err)
			}
			in.Name = part.FileName()
		case name == "hash" && in.HashFile == nil:
			if in.HashFile, err = io.ReadAll(io.LimitReader(part, maxHashPart+1)); err != nil {
				return in, readError(err)
			}
			if len(in.HashFile) == 0 || len(in.HashFile) > maxHashPart {
				return in, errs.Field("hash", "must be a sha256sum or sha512sum line of at most 64 KiB")
			}
		case name == "document" || name == "hash":
			return in, errs.Field(name, "sent twice")
		default:
			return in, errs.Field("body", "unknown part "+name+"; send document and, optionally, hash")
		}
	}
	if len(in.Document) == 0 {
		return in, errs.Field("document", "is required")
	}
	return in, scanJSONText(in.Document, pointerPath)
}

// readError is a body that could not be read: too large, or malformed.
func readError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errs.E(errs.TooLarge, "the body is larger than the %d MiB import limit", importLimit>>20)
	}
	return errs.Field("body", "malformed multipart body: "+err.Error())
}
