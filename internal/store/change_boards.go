package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/changeboard/changeboard/internal/change"
)

// The transaction implements change.BoardRepository (checked by the compiler).
var _ change.BoardRepository = (*Tx)(nil)

type boardRow struct {
	ID        string
	Name      string
	Kind      string
	Quorum    int
	Rule      string
	Members   string
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (boardRow) TableName() string { return "boards" }

func toBoardRow(b change.Board) boardRow {
	return boardRow{ID: b.ID, Name: b.Name, Kind: string(b.Kind), Quorum: b.Quorum, Rule: string(b.Rule),
		Members: mustJSON(nonNil(b.Members)), Version: b.Version, CreatedAt: b.CreatedAt.UTC(), UpdatedAt: b.UpdatedAt.UTC()}
}

func (r boardRow) board() (change.Board, error) {
	b := change.Board{ID: r.ID, Name: r.Name, Kind: change.BoardKind(r.Kind), Quorum: r.Quorum,
		Rule: change.Rule(r.Rule), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	return b, json.Unmarshal([]byte(r.Members), &b.Members)
}

// CreateBoard implements change.BoardRepository.
func (tx *Tx) CreateBoard(ctx context.Context, b *change.Board) error {
	row := toBoardRow(*b)
	return translate(tx.g.Create(&row).Error, "board "+b.Name+" or a board of kind "+string(b.Kind))
}

// UpdateBoard implements change.BoardRepository.
func (tx *Tx) UpdateBoard(ctx context.Context, b *change.Board, version int64) error {
	row := toBoardRow(*b)
	row.Version = version + 1
	res := tx.g.Model(&boardRow{}).Where("id = ? AND version = ?", b.ID, version).
		Select("name", "quorum", "rule", "members", "version", "updated_at").Updates(&row)
	if err := translate(res.Error, "board "+b.Name); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("board " + b.Name)
	}
	b.Version = row.Version
	return nil
}

func (tx *Tx) findBoard(where string, arg any, what string) (change.Board, error) {
	var row boardRow
	if err := tx.g.Where(where, arg).Take(&row).Error; err != nil {
		return change.Board{}, translate(err, what)
	}
	b, err := row.board()
	return b, translate(err, what)
}

// FindBoard implements change.BoardRepository.
func (tx *Tx) FindBoard(ctx context.Context, id string) (change.Board, error) {
	return tx.findBoard("id = ?", id, "board "+id)
}

// FindBoardByKind implements change.BoardRepository.
func (tx *Tx) FindBoardByKind(ctx context.Context, k change.BoardKind) (change.Board, error) {
	return tx.findBoard("kind = ?", string(k), string(k)+" board")
}

// FindBoards implements change.BoardRepository.
func (tx *Tx) FindBoards(ctx context.Context) ([]change.Board, error) {
	var rows []boardRow
	if err := tx.g.Order("name").Find(&rows).Error; err != nil {
		return nil, translate(err, "boards")
	}
	out := make([]change.Board, 0, len(rows))
	for _, r := range rows {
		b, err := r.board()
		if err != nil {
			return nil, translate(err, "board "+r.ID)
		}
		out = append(out, b)
	}
	return out, nil
}
