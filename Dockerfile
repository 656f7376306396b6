# syntax=docker/dockerfile:1
# Changeboard: one static binary (pure-Go SQLite driver, no cgo) on a
# distroless base, running as a non-root user.

FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=mod
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/changeboard ./cmd/changeboard \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/changeboard /usr/local/bin/changeboard
# The embedded SQLite default lives in ./data (relative to WORKDIR); give
# the non-root user a folder it owns. With PostgreSQL it stays empty.
COPY --from=build --chown=nonroot:nonroot /out/data /app/data
VOLUME ["/app/data"]
USER nonroot:nonroot
ENV CHANGEBOARD_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/changeboard"]
CMD ["serve"]
