package hudson.model;

import hudson.security.AccessControlled;
import hudson.security.Permission;
import io.jenkins.plugins.containerbuild.offline.StandIns;

/** Stand-in: a job, folder or other item, with its permissions. */
public interface Item extends AccessControlled {
    Permission CONFIGURE = StandIns.permission("Item.CONFIGURE");

    Permission EXTENDED_READ = StandIns.permission("Item.EXTENDED_READ");
}
