package httpapi

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

func (h handlers) login(c echo.Context) error {
	var in loginRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	s, err := h.Auth.Login(c.Request().Context(), in.Username, in.Password)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return ok(c, http.StatusOK, loginResponse{AccessToken: s.AccessToken, TokenType: "Bearer", ExpiresIn: int(s.ExpiresIn.Seconds())})
}

type userDTO struct {
	ID          string          `json:"id"`
	Username    string          `json:"username"`
	DisplayName string          `json:"display_name"`
	Email       string          `json:"email"`
	Roles       []identity.Role `json:"roles"`
	Disabled    bool            `json:"disabled"`
	Version     int64           `json:"version"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

func toUserDTO(u auth.User) userDTO {
	return userDTO{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Roles: u.Roles,
		Disabled: u.Disabled, Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type meDTO struct {
	userDTO
	// EffectiveRoles are the roles of this request (narrower with an API token).
	EffectiveRoles []identity.Role `json:"effective_roles"`
	TokenID        string          `json:"token_id,omitempty"`
}

func (h handlers) me(c echo.Context) error {
	a := actorOf(c)
	u, err := h.Auth.Me(c.Request().Context(), a)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, meDTO{userDTO: toUserDTO(u), EffectiveRoles: a.Roles, TokenID: a.TokenID})
}

type createUserRequest struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Email       string   `json:"email"`
	Roles       []string `json:"roles"`
	Password    string   `json:"password"`
}

func (h handlers) createUser(c echo.Context) error {
	var in createUserRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := h.Auth.CreateUser(c.Request().Context(), actorOf(c), auth.NewUser(in))
	if err != nil {
		return err
	}
	setETag(c, u.Version)
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/users/"+u.ID)
	return ok(c, http.StatusCreated, toUserDTO(u))
}

func (h handlers) getUser(c echo.Context) error {
	u, err := h.Auth.GetUser(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	setETag(c, u.Version)
	return ok(c, http.StatusOK, toUserDTO(u))
}

type listResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func (h handlers) listUsers(c echo.Context) error {
	var f errs.Fields
	limit := parseLimit(&f, c.QueryParam("limit"), 50, 200)
	after, err := base64.RawURLEncoding.DecodeString(c.QueryParam("cursor"))
	if err != nil {
		f.Add("cursor", "not a cursor returned by this list")
	}
	if err := f.Err(); err != nil {
		return err
	}
	users, err := h.Auth.ListUsers(c.Request().Context(), actorOf(c), string(after), limit)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(users, toUserDTO))
}

type updateUserRequest struct {
	DisplayName *string   `json:"display_name"`
	Email       *string   `json:"email"`
	Roles       *[]string `json:"roles"`
	Disabled    *bool     `json:"disabled"`
	Password    *string   `json:"password"`
}

func (h handlers) updateUser(c echo.Context) error {
	var in updateUserRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	u, err := h.Auth.UpdateUser(c.Request().Context(), actorOf(c), c.Param("id"), auth.UserUpdate{
		DisplayName: in.DisplayName, Email: in.Email, Roles: in.Roles, Disabled: in.Disabled,
		Password: in.Password, IfVersion: version,
	})
	if err != nil {
		return err
	}
	setETag(c, u.Version)
	return ok(c, http.StatusOK, toUserDTO(u))
}

type tokenDTO struct {
	ID        string          `json:"id"`
	UserID    string          `json:"user_id"`
	Name      string          `json:"name"`
	Roles     []identity.Role `json:"roles"`
	ExpiresAt time.Time       `json:"expires_at"`
	RevokedAt *time.Time      `json:"revoked_at,omitempty"`
	Version   int64           `json:"version"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	// Token is the secret, present only in the answer to its creation.
	Token string `json:"token,omitempty"`
}

func toTokenDTO(t auth.APIToken) tokenDTO {
	return tokenDTO{ID: t.ID, UserID: t.UserID, Name: t.Name, Roles: t.Roles, ExpiresAt: t.ExpiresAt,
		RevokedAt: t.RevokedAt, Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

type createTokenRequest struct {
	Name      string   `json:"name"`
	Roles     []string `json:"roles"`
	ExpiresAt string   `json:"expires_at"`
	UserID    string   `json:"user_id"`
}

func (h handlers) createToken(c echo.Context) error {
	var in createTokenRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	var f errs.Fields
	exp := parseTime(&f, "expires_at", in.ExpiresAt)
	if err := f.Err(); err != nil {
		return err
	}
	nt := auth.NewAPIToken{Name: in.Name, Roles: in.Roles, UserID: in.UserID}
	if exp != nil {
		nt.ExpiresAt = *exp
	}
	t, err := h.Auth.CreateAPIToken(c.Request().Context(), actorOf(c), nt)
	if err != nil {
		return err
	}
	dto := toTokenDTO(t.APIToken)
	dto.Token = t.Secret
	c.Response().Header().Set("Cache-Control", "no-store")
	return ok(c, http.StatusCreated, dto)
}

func (h handlers) listTokens(c echo.Context) error {
	tokens, err := h.Auth.ListAPITokens(c.Request().Context(), actorOf(c), c.QueryParam("user_id"))
	if err != nil {
		return err
	}
	out := listResponse[tokenDTO]{Items: []tokenDTO{}}
	for _, t := range tokens {
		out.Items = append(out.Items, toTokenDTO(t))
	}
	return ok(c, http.StatusOK, out)
}

func (h handlers) revokeToken(c echo.Context) error {
	if _, err := h.Auth.RevokeAPIToken(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// directoryDTO is a person as every caller may see them: no e-mail.
type directoryDTO struct {
	ID          string          `json:"id"`
	Username    string          `json:"username"`
	DisplayName string          `json:"display_name"`
	Roles       []identity.Role `json:"roles"`
}

func (h handlers) directory(c echo.Context) error {
	var f errs.Fields
	limit := parseLimit(&f, c.QueryParam("limit"), 50, 200)
	after, err := base64.RawURLEncoding.DecodeString(c.QueryParam("cursor"))
	if err != nil {
		f.Add("cursor", "not a cursor returned by this list")
	}
	if err := f.Err(); err != nil {
		return err
	}
	people, err := h.Auth.Directory(c.Request().Context(), actorOf(c), c.QueryParam("q"), string(after), limit)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(people, func(u auth.User) directoryDTO {
		return directoryDTO{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Roles: u.Roles}
	}))
}
