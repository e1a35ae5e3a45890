#version 330 core
// One CT slice: pixel → LPS → (inverse index-to-LPS) → voxel index → 3D texture, with
// window/level, the isoline of the bone threshold and a translucent mask.

uniform vec2  u_viewport;      // pixels
uniform vec3  u_center;        // LPS at the middle of the picture
uniform vec3  u_right;         // LPS mm per pixel to the right
uniform vec3  u_up;            // LPS mm per pixel upwards
uniform mat4  u_lps_to_index;  // the volume's inverse index-to-LPS matrix
uniform vec3  u_dims;          // voxels along i, j, k of the whole volume
uniform vec4  u_slab;          // first k stored, k planes stored, k range [z, w) drawn
uniform sampler3D u_volume;    // R16_SNORM: HU / 32767
uniform vec2  u_window;        // level − window/2, window
uniform int   u_outline;
uniform float u_threshold;
uniform vec3  u_outline_color;
uniform int   u_mask;
uniform usampler3D u_mask_texture;
uniform mat4  u_lps_to_mask;
uniform vec3  u_mask_dims;
uniform vec4  u_mask_color;

out vec4 frag_color;

void
main ()
{
  vec2 d = gl_FragCoord.xy - 0.5 * u_viewport;
  vec3 p = u_center + d.x * u_right + d.y * u_up;
  vec3 ijk = (u_lps_to_index * vec4 (p, 1.0)).xyz;

  // Derivatives below need every pixel of a quad: discard only at the end.
  bool outside = any (lessThan (ijk, vec3 (-0.5))) || any (greaterThan (ijk, u_dims - 0.5))
                 || ijk.z < u_slab.z || ijk.z >= u_slab.w;

  vec3 t = vec3 ((ijk.xy + 0.5) / u_dims.xy, (ijk.z - u_slab.x + 0.5) / u_slab.y);
  float hu = texture (u_volume, t).r * 32767.0;
  float g = clamp ((hu - u_window.x) / u_window.y, 0.0, 1.0);
  vec3 color = vec3 (g);

  if (u_mask != 0)
    {
      vec3 m = (u_lps_to_mask * vec4 (p, 1.0)).xyz;
      float inside = 0.0;

      if (all (greaterThanEqual (m, vec3 (-0.5))) && all (lessThan (m, u_mask_dims - 0.5)))
        inside = texelFetch (u_mask_texture, ivec3 (floor (m + 0.5)), 0).r != 0u ? 1.0 : 0.0;
      float edge = fwidth (inside);
      color = mix (color, u_mask_color.rgb, inside * u_mask_color.a);
      if (edge > 0.0 && inside > 0.0)
        color = u_mask_color.rgb;
    }

  if (u_outline != 0)
    {
      float f = hu - u_threshold;
      float w = fwidth (f);

      if (w > 0.0 && abs (f) < 0.75 * w)
        color = u_outline_color;
    }

  if (outside)
    discard;
  frag_color = vec4 (color, 1.0);
}
