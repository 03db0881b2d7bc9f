# syntax=docker/dockerfile:1
# The image of either service, chosen by the build argument SERVICE. Build from the repository root (the build needs
# the sibling modules):
#   docker build --build-arg SERVICE=notes-service -t herald/notes-service .
#   docker build --build-arg SERVICE=sse-gateway -t herald/sse-gateway .
# docker-compose.yml does this for you.

FROM eclipse-temurin:25-jdk AS build
ARG SERVICE
WORKDIR /src
COPY . .
RUN case "$SERVICE" in notes-service|sse-gateway) ;; *) echo "build with --build-arg SERVICE=notes-service or SERVICE=sse-gateway" >&2; exit 1 ;; esac
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -DskipTests -pl "$SERVICE" -am package \
 && mkdir /app \
 && cp "$SERVICE/target/$SERVICE.jar" /app/app.jar \
 && cd /app && java -Djarmode=tools -jar app.jar extract --layers --destination extracted

FROM eclipse-temurin:25-jre
ARG SERVICE
RUN groupadd --system herald && useradd --system --gid herald --home-dir /app herald
WORKDIR /app
# Spring Boot layers, least often changed first, so a code change rebuilds only the last layer
COPY --from=build /app/extracted/dependencies/ ./
COPY --from=build /app/extracted/spring-boot-loader/ ./
COPY --from=build /app/extracted/snapshot-dependencies/ ./
COPY --from=build /app/extracted/application/ ./
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
# Start-up: the JVM's ahead-of-time cache (JEP 483/514, Java 25) of the classes the application loads and links while
# it starts, recorded by a training run here at build time. It needs the extracted layout (app.jar with its lib/ on
# the class path, not the launcher) and the same JVM; a cache that does not fit is ignored, never fatal.
# The training run starts the application context and exits before anything starts (spring.context.exit=onRefresh),
# so it needs no broker (the gateway's Kafka consumers and web server are lifecycle beans) and notes-service must
# not need its database: no migrations, no schema validation, Hibernate without JDBC metadata.
RUN if [ "$SERVICE" = notes-service ]; then \
      set -- --spring.flyway.enabled=false --spring.jpa.hibernate.ddl-auto=none \
        --spring.jpa.properties.hibernate.boot.allow_jdbc_metadata_access=false \
        --spring.jpa.database-platform=org.hibernate.dialect.PostgreSQLDialect; \
    fi \
 && java -XX:AOTCacheOutput=app.aot -Dspring.context.exit=onRefresh -jar app.jar "$@" \
 && rm -f app.aot.config
USER herald
# the port is the service's server.port (notes-service 8080, sse-gateway 8081): docker-compose.yml declares it
ENTRYPOINT ["java", "-XX:AOTCache=app.aot", "-jar", "app.jar"]
