# syntax=docker/dockerfile:1
# The server as a static, non-root image: docker build --build-arg VERSION=v1.0.0 -t socrates .

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# The build command (internal/e2e/package_test.go runs this very line).
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.buildVersion=${VERSION}" -o /out/socrates .
# A data folder the non-root user owns (SQLite and development files).
RUN mkdir -p /out/data && chown 65532:65532 /out/data

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/socrates /socrates
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV APP_ENV=production DATA_DIR=/data PORT=8080
EXPOSE 8080
ENTRYPOINT ["/socrates"]
CMD ["serve"]
