package org.kohsuke.stapler;

import net.sf.json.JSONObject;

/**
 * Stand-in: the (Jakarta Servlet) request of a Stapler form submission. The servlet supertype is left out; only the
 * binding of a submitted form onto an existing bean is declared.
 */
public interface StaplerRequest2 {
    void bindJSON(Object bean, JSONObject src);
}
