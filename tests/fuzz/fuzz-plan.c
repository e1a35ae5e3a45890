/* fuzz-plan.c — libFuzzer target for the .osteoplan reader (zip + plan.json + meshes)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>

#include "osp-plan.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) plan = NULL;

  plan = osp_plan_open_from_data (data, size, "fuzz.osteoplan", NULL, &error);
  g_assert ((plan != NULL) != (error != NULL));
  if (plan != NULL)
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (plan)), <, 1u << 20);
  return 0;
}
