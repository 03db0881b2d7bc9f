/** Public configuration for the dashboard served from static/. */
@NullMarked
package dev.herald.gateway.dashboard;

import org.jspecify.annotations.NullMarked;
