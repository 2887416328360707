/* prepare/run steps of the tap methods, for the method table. */
#pragma once

#include "mh-dispatch.h"

G_BEGIN_DECLS

gboolean mh_tap_methods_prepare_create_tap (MhCall *call, GError **error);
gboolean mh_tap_methods_prepare_create_taps (MhCall *call, GError **error);
void mh_tap_methods_run_create_tap (MhCall *call);
void mh_tap_methods_run_create_taps (MhCall *call);

gboolean mh_tap_methods_prepare_delete_tap (MhCall *call, GError **error);
void mh_tap_methods_run_delete_tap (MhCall *call);

gboolean mh_tap_methods_prepare_list_taps (MhCall *call, GError **error);
void mh_tap_methods_run_list_taps (MhCall *call);

G_END_DECLS
