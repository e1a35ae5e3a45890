#version 330 core
// A CT slice plane inside the 3D scene: each fragment's LPS point → (inverse index-to-LPS)
// voxel index → 3D texture, with window/level as in the slice views, and a frame in the
// plane's colour along the rectangle's edges.  Outside the volume nothing is drawn.

uniform mat4  u_lps_to_index;  // the volume's inverse index-to-LPS matrix
uniform vec3  u_dims;          // voxels along i, j, k of the whole volume
uniform vec4  u_slab;          // first k stored, k planes stored, k range [z, w) drawn
uniform sampler3D u_volume;    // R16_SNORM: HU / 32767
uniform vec2  u_window;        // level − window/2, window
uniform vec3  u_frame_color;
uniform float u_frame_width;   // pixels

in vec3 v_lps;
in vec2 v_st;

out vec4 frag_color;

void
main ()
{
  // Derivatives first: they need every pixel of a quad.
  vec2 w = max (fwidth (v_st), vec2 (1e-7));
  vec2 edge = min (v_st, 1.0 - v_st) / w;
  bool frame = min (edge.x, edge.y) < u_frame_width;
  vec3 ijk = (u_lps_to_index * vec4 (v_lps, 1.0)).xyz;
  bool outside = any (lessThan (ijk, vec3 (-0.5))) || any (greaterThan (ijk, u_dims - 0.5))
                 || ijk.z < u_slab.z || ijk.z >= u_slab.w;

  if (frame)
    {
      frag_color = vec4 (u_frame_color, 1.0);
      return;
    }
  if (outside)
    discard;

  vec3 t = vec3 ((ijk.xy + 0.5) / u_dims.xy, (ijk.z - u_slab.x + 0.5) / u_slab.y);
  float hu = texture (u_volume, t).r * 32767.0;
  float g = clamp ((hu - u_window.x) / u_window.y, 0.0, 1.0);

  frag_color = vec4 (vec3 (g), 1.0);
}
