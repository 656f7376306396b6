package store

import (
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/changeboard/changeboard/internal/errs"
)

// translate maps driver and gorm errors to domain errors where they happen.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return errs.E(errs.NotFound, "no %s", what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return errs.Wrap(errs.Conflict, err, what+" already exists")
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return errs.Wrap(errs.Invalid, err, what+" refers to a record that does not exist")
	}
	return fmt.Errorf("%s: %w", what, err)
}

// versionConflict is the answer to an UPDATE … WHERE version = ? that
// matched no row: someone else changed the record first.
func versionConflict(what string) error {
	return errs.E(errs.Conflict, "%s was changed by someone else; reload and retry", what)
}
