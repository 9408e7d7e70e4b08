from shelf_assets.learning.scenes import render_scenes


def test_a_scene_mask_covers_each_product_at_least_as_much_as_its_truth_says_it_is_hidden():
    scenes, _ = render_scenes(10_000, 3, difficulty="hard")
    checked = 0
    for scene in scenes:
        assert scene.occluders.shape == scene.image.shape[:2]
        hidden = scene.occluders.astype(float) / 255.0
        for (x0, y0, x1, y1), occluded in zip(scene.boxes.round().astype(int), scene.occluded):
            covered = hidden[max(y0, 0):y1, max(x0, 0):x1].mean()
            assert covered >= occluded - 0.1
            checked += int(occluded > 0.1)
    assert checked > 0, "no product of these scenes was hidden: pick scenes with an occluder"
